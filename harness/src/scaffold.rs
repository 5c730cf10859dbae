//! `harness new <paper-id> [--data <kind> | --from <paper>]`: scaffolds a reproduction that builds
//! and passes its tests immediately. It writes the crate `reproductions/<id>/` (Cargo.toml,
//! build.rs, src/lib.rs, tests/reproduction.rs) and `configs/papers/<id>.toml` from the templates
//! under `harness/templates/new/` — one per kind of data ([`DataKind`]: `sequence`, the default,
//! `tabular`, `image-idx`, `uci`, `environment`) — or copies an existing paper's crate and config
//! with `--from`, and
//! wires the crate in: the workspace `members` and `[workspace.dependencies]` of the root
//! `Cargo.toml`, and `[dependencies]` of `harness/Cargo.toml` (the registry is generated from
//! those). Nothing else needs editing by hand.

use crate::error::HarnessError;
use crate::Result;
use std::path::{Path, PathBuf};

const CARGO_TOML: &str = include_str!("../templates/new/Cargo.toml.tmpl");
const BUILD_RS: &str = include_str!("../templates/new/build.rs.tmpl");
const TESTS_RS: &str = include_str!("../templates/new/tests.rs.tmpl");

/// The kind of data a scaffolded paper starts from: which template `harness new --data <kind>`
/// fills in. Each builds, passes its tests without a mirror (shipped, fixture or generated data,
/// CONTRIBUTING.md "Test data"), and runs on its declared dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataKind {
    /// MNIST-1D sequences (`data/mnist1d/`, shipped): an MLP, mini-batches in order. The
    /// default, and the only kind whose `harness check`/`run` need no mirror.
    #[default]
    Sequence,
    /// A CSV table (`iris`, scikit-learn's file, from a mirror; tests generate a stand-in):
    /// `repro_kit::data::tabular`, stratified split, standardiser, full-batch training.
    Tabular,
    /// Gzipped IDX images (`fashion-mnist`, from a mirror; tests generate IDX files): an MLP
    /// on 784 pixels.
    ImageIdx,
    /// A UCI regression dataset with its fixed splits (`uci-yacht`; tests use the shipped
    /// fixture): standardised MLP regression, seed = split index.
    Uci,
    /// A simulated environment (`cartpole-v1`, `repro_kit::env`): REINFORCE.
    Environment,
}

impl DataKind {
    /// Every kind, in the order `--help` lists them.
    pub const ALL: [DataKind; 5] = [
        DataKind::Sequence,
        DataKind::Tabular,
        DataKind::ImageIdx,
        DataKind::Uci,
        DataKind::Environment,
    ];

    /// The name `--data` takes (and the template folder under `harness/templates/new/`).
    pub fn name(self) -> &'static str {
        match self {
            DataKind::Sequence => "sequence",
            DataKind::Tabular => "tabular",
            DataKind::ImageIdx => "image-idx",
            DataKind::Uci => "uci",
            DataKind::Environment => "environment",
        }
    }

    /// The kind named `name`; the error lists the kinds.
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| {
                HarnessError::Other(format!(
                    "--data {name}: unknown kind of data; one of: {}",
                    Self::ALL.map(|k| k.name()).join(", ")
                ))
            })
    }

    /// The kind's templates: (src/lib.rs, configs/papers/<id>.toml, the tests' `dataset()`
    /// function, extra `[dependencies]` lines).
    fn templates(self) -> (&'static str, &'static str, &'static str, &'static str) {
        macro_rules! kind {
            ($dir:literal, $deps:expr) => {
                (
                    include_str!(concat!("../templates/new/", $dir, "/lib.rs.tmpl")),
                    include_str!(concat!("../templates/new/", $dir, "/config.toml.tmpl")),
                    include_str!(concat!("../templates/new/", $dir, "/dataset.rs.tmpl")),
                    $deps,
                )
            };
        }
        match self {
            DataKind::Sequence => kind!("sequence", ""),
            DataKind::Tabular => kind!("tabular", ""),
            DataKind::ImageIdx => kind!("image-idx", ""),
            DataKind::Uci => kind!("uci", ""),
            DataKind::Environment => kind!("environment", "rand.workspace = true\n"),
        }
    }
}

/// The parts of a valid paper id `<author><year>-<topic>`, e.g. `greydanus2020-mnist1d`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperId {
    /// The whole id (the crate name, the config's file name and `paper.id`).
    pub id: String,
    /// First author's family name, lowercase ASCII letters.
    pub author: String,
    /// Four-digit year.
    pub year: u32,
    /// The topic: kebab-case words after the year.
    pub topic: String,
}

impl PaperId {
    /// Parses and checks `id`; the error says what the id must look like.
    pub fn parse(id: &str) -> Result<Self> {
        let bad = |why: &str| {
            HarnessError::Other(format!(
                "paper id `{id}` {why}: it must be kebab-case `<author><year>-<topic>`, the first \
                 author's family name in lowercase ASCII letters, the 4-digit year, then one or \
                 more lowercase words (letters, digits) joined by `-`, e.g. `greydanus2020-mnist1d` \
                 or `gal2016-mc-dropout`"
            ))
        };
        let (head, topic) = id.split_once('-').ok_or_else(|| bad("has no `-<topic>`"))?;
        let letters = head.chars().take_while(|c| c.is_ascii_lowercase()).count();
        let (author, year) = head.split_at(letters);
        if author.is_empty() {
            return Err(bad("does not start with the author's name"));
        }
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("has no 4-digit year right after the author"));
        }
        let year: u32 = year.parse().map_err(|_| bad("has a bad year"))?;
        if !(1900..=2100).contains(&year) {
            return Err(bad("has a year outside 1900–2100"));
        }
        if topic.is_empty()
            || topic.split('-').any(|w| {
                w.is_empty()
                    || !w
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
        {
            return Err(bad("has a topic that is not lowercase kebab-case"));
        }
        Ok(Self {
            id: id.to_string(),
            author: author.to_string(),
            year,
            topic: topic.to_string(),
        })
    }

    /// The crate's Rust name (`-` → `_`).
    pub fn crate_name(&self) -> String {
        self.id.replace('-', "_")
    }

    /// The paper type's name, e.g. `Greydanus2020`.
    pub fn type_name(&self) -> String {
        format!("{}{}", capitalised(&self.author), self.year)
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// What [`scaffold`] wrote and edited (paths relative to the root).
#[derive(Debug, Clone, Default)]
pub struct Scaffolded {
    /// Files created.
    pub created: Vec<PathBuf>,
    /// Files edited (the wiring).
    pub edited: Vec<PathBuf>,
    /// Whether `cargo fmt -p <id>` formatted the new crate (the templates' lines depend on the
    /// id's length, and CI runs `cargo fmt --check`); false where it could not run.
    pub formatted: bool,
}

/// Scaffolds reproduction `id` under `root` from the templates of `kind`, or from the existing
/// paper `from` (its crate and config copied with the id replaced; `kind` is then ignored).
/// Refuses an invalid id, an id whose crate directory or config already exists, or a `from`
/// that does not exist. Nothing is written unless every check passes.
pub fn scaffold(root: &Path, id: &str, from: Option<&str>, kind: DataKind) -> Result<Scaffolded> {
    let pid = PaperId::parse(id)?;
    let crate_dir = root.join("reproductions").join(id);
    let config = root.join("configs/papers").join(format!("{id}.toml"));
    for existing in [&crate_dir, &config] {
        if existing.exists() {
            return Err(HarnessError::Other(format!(
                "{} already exists: pick another paper id, or remove it first",
                existing.display()
            )));
        }
    }
    let root_manifest = root.join("Cargo.toml");
    let harness_manifest = root.join("harness/Cargo.toml");
    let root_text = read(&root_manifest)?;
    let harness_text = read(&harness_manifest)?;
    if root_text.contains(&format!("\"reproductions/{id}\"")) {
        return Err(HarnessError::Other(format!(
            "{}: `reproductions/{id}` is already a workspace member",
            root_manifest.display()
        )));
    }
    let new_root = wire_root_manifest(&root_text, id)
        .map_err(|m| HarnessError::Other(format!("{}: {m}", root_manifest.display())))?;
    let new_harness = wire_harness_manifest(&harness_text, id)
        .map_err(|m| HarnessError::Other(format!("{}: {m}", harness_manifest.display())))?;

    let files: Vec<(PathBuf, Vec<u8>)> = match from {
        None => {
            let (lib_rs, config_toml, dataset_rs, extra_deps) = kind.templates();
            let fill = |t: &str| {
                t.replace("{{DATASET}}", dataset_rs.trim_end())
                    .replace("{{EXTRA_DEPS}}", extra_deps)
                    .replace("{{ID}}", &pid.id)
                    .replace("{{CRATE}}", &pid.crate_name())
                    .replace("{{TYPE}}", &pid.type_name())
                    .replace("{{AUTHOR}}", &capitalised(&pid.author))
                    .replace("{{YEAR}}", &pid.year.to_string())
                    .replace("{{TOPIC}}", &pid.topic)
            };
            vec![
                (crate_dir.join("Cargo.toml"), fill(CARGO_TOML).into_bytes()),
                (crate_dir.join("build.rs"), fill(BUILD_RS).into_bytes()),
                (crate_dir.join("src/lib.rs"), fill(lib_rs).into_bytes()),
                (
                    crate_dir.join("tests/reproduction.rs"),
                    fill(TESTS_RS).into_bytes(),
                ),
                (config.clone(), fill(config_toml).into_bytes()),
            ]
        }
        Some(src) => copy_from(root, src, &pid)?,
    };
    let mut done = Scaffolded::default();
    for (path, text) in files {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::write(&path, text).map_err(io(&path))?;
        done.created
            .push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
    }
    std::fs::write(&root_manifest, new_root).map_err(io(&root_manifest))?;
    std::fs::write(&harness_manifest, new_harness).map_err(io(&harness_manifest))?;
    done.edited = vec!["Cargo.toml".into(), "harness/Cargo.toml".into()];
    done.formatted = cargo_fmt(root, id);
    Ok(done)
}

/// Runs `cargo fmt -p <id>` in `root`, quietly: the filled-in templates (and a `--from` copy
/// with the names replaced) have lines whose length depends on the id. False if cargo or rustfmt
/// is missing or fails; the files are then left as written.
fn cargo_fmt(root: &Path, id: &str) -> bool {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    std::process::Command::new(cargo)
        .args(["fmt", "-p", id])
        .current_dir(root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The files of paper `src` (its crate's Cargo.toml, build.rs, `src/`, `tests/`, and its
/// config), with the paper id and crate name replaced by the new ones.
fn copy_from(root: &Path, src: &str, pid: &PaperId) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let src_dir = root.join("reproductions").join(src);
    let src_config = root.join("configs/papers").join(format!("{src}.toml"));
    if !src_dir.join("Cargo.toml").is_file() || !src_config.is_file() {
        return Err(HarnessError::Other(format!(
            "--from {src}: no reproductions/{src}/Cargo.toml or configs/papers/{src}.toml (see `harness list`)"
        )));
    }
    let rename = |t: &str| {
        t.replace(src, &pid.id)
            .replace(&src.replace('-', "_"), &pid.crate_name())
    };
    let mut out = Vec::new();
    let mut stack = vec![src_dir.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let p = e.map_err(io(&dir))?.path();
            let rel = p.strip_prefix(&src_dir).unwrap_or(&p).to_path_buf();
            let top = rel
                .components()
                .next()
                .map(|c| c.as_os_str().to_string_lossy().to_string());
            let wanted = matches!(
                top.as_deref(),
                Some("src" | "tests" | "Cargo.toml" | "build.rs")
            );
            if !wanted {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                let dest = root.join("reproductions").join(&pid.id).join(&rel);
                let bytes = std::fs::read(&p).map_err(io(&p))?;
                match String::from_utf8(bytes) {
                    Ok(text) => out.push((dest, rename(&text).into_bytes())),
                    // a binary fixture: copied as is
                    Err(e) => out.push((dest, e.into_bytes())),
                }
            }
        }
    }
    out.push((
        root.join("configs/papers").join(format!("{}.toml", pid.id)),
        rename(&read(&src_config)?).into_bytes(),
    ));
    Ok(out)
}

/// Adds `"reproductions/<id>"` to `[workspace] members` (after the last `reproductions/` entry)
/// and `<id> = { path = "reproductions/<id>" }` to `[workspace.dependencies]` (after the last
/// `reproductions/` path dependency).
pub fn wire_root_manifest(text: &str, id: &str) -> std::result::Result<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let member_at = lines
        .iter()
        .rposition(|l| l.trim().starts_with("\"reproductions/"))
        .ok_or("no `\"reproductions/…\"` entry in [workspace] members to add the crate after")?;
    let dep_at = lines
        .iter()
        .rposition(|l| l.contains("path = \"reproductions/"))
        .ok_or("no `path = \"reproductions/…\"` entry in [workspace.dependencies]")?;
    let indent: String = lines[member_at]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len() + 2);
    for (i, l) in lines.iter().enumerate() {
        out.push(l.to_string());
        if i == member_at {
            out.push(format!("{indent}\"reproductions/{id}\","));
        }
        if i == dep_at {
            out.push(format!("{id} = {{ path = \"reproductions/{id}\" }}"));
        }
    }
    let new = out.join("\n") + "\n";
    new.parse::<toml::Table>()
        .map_err(|e| format!("the edited manifest does not parse: {e}"))?;
    Ok(new)
}

/// Adds `<id>.workspace = true` to `[dependencies]` of the harness manifest (after the last
/// dependency line of that table that names a reproduction, else at the table's start).
pub fn wire_harness_manifest(text: &str, id: &str) -> std::result::Result<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == "[dependencies]")
        .ok_or("no [dependencies] table")?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map_or(lines.len(), |p| start + 1 + p);
    let at = (start + 1..end)
        .rev()
        .find(|&i| {
            let name: String = lines[i]
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            PaperId::parse(&name).is_ok()
        })
        .unwrap_or(start);
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    out.insert(at + 1, format!("{id}.workspace = true"));
    let new = out.join("\n") + "\n";
    new.parse::<toml::Table>()
        .map_err(|e| format!("the edited manifest does not parse: {e}"))?;
    Ok(new)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(io(path))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> HarnessError + '_ {
    move |error| HarnessError::Io {
        path: path.to_path_buf(),
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_author_year_topic_in_kebab_case() {
        let p = PaperId::parse("greydanus2020-mnist1d").unwrap();
        assert_eq!((p.author.as_str(), p.year), ("greydanus", 2020));
        assert_eq!(p.type_name(), "Greydanus2020");
        assert_eq!(p.crate_name(), "greydanus2020_mnist1d");
        assert!(PaperId::parse("gal2016-mc-dropout").is_ok());
        for bad in [
            "Greydanus2020-mnist1d",
            "greydanus-mnist1d",
            "greydanus20-mnist1d",
            "greydanus2020",
            "greydanus2020-",
            "greydanus2020-MNIST",
            "greydanus2020-mnist_1d",
            "greydanus2020--x",
            "2020-mnist1d",
            "greydanus1800-x",
        ] {
            let e = PaperId::parse(bad).unwrap_err().to_string();
            assert!(e.contains("<author><year>-<topic>"), "{bad}: {e}");
        }
    }

    #[test]
    fn wiring_adds_one_member_one_dependency_each() {
        let root = "[workspace]\nmembers = [\n    \"harness\",\n    \"reproductions/a2020-x\",\n    \"tests\",\n]\n\n[workspace.dependencies]\nserde = \"1\"\na2020-x = { path = \"reproductions/a2020-x\" }\n";
        let new = wire_root_manifest(root, "b2021-y").unwrap();
        let t: toml::Table = new.parse().unwrap();
        let members = t["workspace"]["members"].as_array().unwrap();
        assert_eq!(members.len(), 4);
        assert_eq!(members[2].as_str(), Some("reproductions/b2021-y"));
        assert_eq!(
            t["workspace"]["dependencies"]["b2021-y"]["path"].as_str(),
            Some("reproductions/b2021-y")
        );
        let harness = "[package]\nname = \"harness\"\n\n[dependencies]\nrepro-kit.workspace = true\na2020-x.workspace = true\nserde.workspace = true\n\n[dev-dependencies]\n";
        let new = wire_harness_manifest(harness, "b2021-y").unwrap();
        assert!(new.contains("a2020-x.workspace = true\nb2021-y.workspace = true\nserde"));
        let t: toml::Table = new.parse().unwrap();
        assert!(t["dependencies"].get("b2021-y").is_some());
        assert!(t["dev-dependencies"].get("b2021-y").is_none());
    }

    #[test]
    fn every_kind_has_a_name_that_parses_back_and_filled_templates() {
        for k in DataKind::ALL {
            assert_eq!(DataKind::parse(k.name()).unwrap(), k);
            let (lib, config, dataset, _) = k.templates();
            assert!(lib.contains("repro_kit::reproduction!({{TYPE}})"), "{k:?}");
            assert!(config.contains("[parameter_counts]"), "{k:?}");
            assert!(dataset.contains("fn dataset() -> ResolvedDataset"), "{k:?}");
        }
        assert_eq!(DataKind::default(), DataKind::Sequence);
        let e = DataKind::parse("csv").unwrap_err().to_string();
        assert!(e.contains("tabular, image-idx"), "{e}");
    }

    #[test]
    fn scaffold_refuses_existing_ids_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("reproductions/a2020-x")).unwrap();
        std::fs::create_dir_all(root.join("configs/papers")).unwrap();
        std::fs::write(root.join("Cargo.toml"), "[workspace]\n").unwrap();
        let e = scaffold(root, "a2020-x", None, DataKind::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("already exists"), "{e}");
        let e = scaffold(root, "bad_id", None, DataKind::Tabular)
            .unwrap_err()
            .to_string();
        assert!(e.contains("kebab-case"), "{e}");
        assert_eq!(
            std::fs::read_to_string(root.join("Cargo.toml")).unwrap(),
            "[workspace]\n"
        );
    }
}
