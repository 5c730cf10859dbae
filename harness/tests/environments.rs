//! Datasets declared as simulated environments (`kind = "environment"`): the declaration
//! rules, and the environment id reaching the run through `ResolvedDataset`.

use harness::config::{load_dataset_registry, DatasetKind};
use harness::data::Fetcher;
use std::path::Path;

fn registry(text: &str) -> harness::Result<harness::config::DatasetRegistry> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("datasets.toml");
    std::fs::write(&path, text).unwrap();
    load_dataset_registry(&path)
}

const META: &str = "title = \"t\"\ncitation = \"c\"\nlicense = \"MIT\"\nhomepage = \"h\"\n";

#[test]
fn an_environment_needs_its_id_and_no_files() {
    let ok = registry(&format!(
        "[datasets.cartpole-v1]\nkind = \"environment\"\nenvironment = \"CartPole-v1\"\n{META}"
    ))
    .unwrap();
    let spec = &ok.datasets["cartpole-v1"];
    assert_eq!(spec.kind, DatasetKind::Environment);
    assert!(spec.files.is_empty());

    let no_id = registry(&format!("[datasets.e]\nkind = \"environment\"\n{META}"));
    assert!(no_id
        .unwrap_err()
        .to_string()
        .contains("needs `environment"));

    let with_files = registry(&format!(
        "[datasets.e]\nkind = \"environment\"\nenvironment = \"CartPole-v1\"\n{META}\
         [[datasets.e.files]]\npath = \"e/x\"\nsha256 = \"{}\"\nsize = 1\n",
        "0".repeat(64)
    ));
    assert!(with_files
        .unwrap_err()
        .to_string()
        .contains("has no `files`"));

    let files_with_id = registry(&format!(
        "[datasets.d]\nenvironment = \"CartPole-v1\"\n{META}"
    ));
    assert!(
        files_with_id.is_err(),
        "a files dataset without files, naming an environment"
    );

    let unknown_kind = registry(&format!("[datasets.d]\nkind = \"stream\"\n{META}"));
    assert!(unknown_kind.is_err());
}

#[test]
fn the_environment_id_reaches_the_run() {
    let reg = registry(&format!(
        "[datasets.acrobot-v1]\nkind = \"environment\"\nenvironment = \"Acrobot-v1\"\n{META}"
    ))
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let fetcher = Fetcher::new(
        Path::new("/nonexistent-root"),
        &[],
        Some(cache.path().into()),
    );
    let ds = fetcher
        .resolve("acrobot-v1", &reg.datasets["acrobot-v1"])
        .unwrap();
    assert_eq!(ds.environment.as_deref(), Some("Acrobot-v1"));
    assert!(ds.files.is_empty());
}

#[test]
fn the_project_declares_the_three_classic_control_tasks() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs/datasets.toml");
    let reg = load_dataset_registry(&path).unwrap();
    for (name, id) in [
        ("cartpole-v1", "CartPole-v1"),
        ("acrobot-v1", "Acrobot-v1"),
        ("mountaincar-v0", "MountainCar-v0"),
    ] {
        assert_eq!(reg.datasets[name].environment.as_deref(), Some(id));
        assert!(repro_kit::env::make(id).is_ok());
    }
}
