//! Vitrine hosted: the same drivers, runtime and app, run as a host process against
//! the VirtualBox twin (`twin`). `TwinPlatform` implements vitrine's hal traits by
//! routing port I/O, physical memory, PCI configuration and IRQ lines to the twin.
