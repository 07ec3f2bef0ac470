// Placeholder: the Evdev module is being written.
