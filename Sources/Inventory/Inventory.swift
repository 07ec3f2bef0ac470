// Placeholder: the Inventory module is being written.
