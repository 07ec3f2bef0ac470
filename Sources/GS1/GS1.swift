// Placeholder: the GS1 module is being written.
