//! The Parcours desktop application.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Tesseract (intake) is twice slower with OpenMP on two cores.
    parcours_app::ensure_single_thread_openmp();
    parcours_desktop::run();
}
