// Placeholder: the DepotService module is being written.
