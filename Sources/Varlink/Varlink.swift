// Placeholder: the Varlink module is being written.
