// Placeholder: the ScannerInput module is being written.
