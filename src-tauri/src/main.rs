//! The Parcours desktop application.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    parcours_desktop::run();
}
