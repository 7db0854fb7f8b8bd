//! Tauri's build step: reads tauri.conf.json and the capabilities. Declaring
//! the app's commands makes each one a permission (`allow-login`…) that the
//! capability in `capabilities/default.json` must grant explicitly.

const COMMANDS: &[&str] = &[
    "first_run_needed",
    "create_first_admin",
    "login",
    "logout",
    "whoami",
    "list_cases",
    "show_case",
    "settings_get",
    "settings_set",
    "list_users",
    "add_user",
    "check_nir",
    "check_s10",
    "check_mrz",
    "page_image",
    "page_thumbnail",
    "field_crops",
    "folders",
    "scanner_files",
    "intake",
    "correct_field",
    "decide",
    "print_batch",
    "open_letter",
    "save_letter_copy",
    "dispatch_batch",
    "counter_find",
    "counter_verify",
    "backlog",
    "export_cases",
    "ordinary_letter",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step");
}
