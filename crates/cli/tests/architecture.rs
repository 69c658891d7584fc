//! ARCHITECTURE.md must name every crate folder, and name no folder that is gone.

use std::path::Path;

#[test]
fn the_code_map_names_every_crate_and_only_crates_that_exist()
-> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md"))?;
    let mut crates = Vec::new();
    for entry in std::fs::read_dir(root.join("crates"))? {
        let entry = entry?;
        if entry.path().join("Cargo.toml").exists() {
            crates.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    assert!(crates.len() >= 5, "{crates:?}");
    for name in &crates {
        assert!(
            map.contains(&format!("### `crates/{name}`")),
            "ARCHITECTURE.md has no code-map entry `### `crates/{name}``"
        );
    }
    for line in map.lines().filter(|l| l.starts_with("### `crates/")) {
        let named = line
            .trim_start_matches("### `crates/")
            .trim_end_matches('`');
        assert!(
            crates.iter().any(|c| c == named),
            "ARCHITECTURE.md names crates/{named}, which does not exist"
        );
    }
    Ok(())
}
