//! Kiosk behaviour tests.
