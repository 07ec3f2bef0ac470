// Placeholder: the TestSupport module is being written.
