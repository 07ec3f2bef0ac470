// Placeholder: the DepotAPI module is being written.
