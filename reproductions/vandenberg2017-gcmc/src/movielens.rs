//! MovieLens-100K (`u.data`) and its official splits `u1`–`u5`, made from `u.data` exactly as
//! the dataset's own `mku.sh` makes them:
//!
//! ```sh
//! # (<TAB> is a tab character in the script)
//! head -`expr $i \* 20000` u.data | tail -20000 > tmp.$$
//! sort -t"<TAB>" -k 1,1n -k 2,2n tmp.$$ > u$i.test
//! head -`expr \( $i - 1 \) \* 20000` u.data > tmp.$$
//! tail -`expr \( 5 - $i \) \* 20000` u.data >> tmp.$$
//! sort -t"<TAB>" -k 1,1n -k 2,2n tmp.$$ > u$i.base
//! ```
//!
//! i.e. `u<i>.test` is the i-th block of 20,000 lines, `u<i>.base` the other four blocks, each
//! sorted numerically by user then item (ties, which `u.data` does not have, by the whole line,
//! `sort`'s last-resort comparison). For a file of n lines (n divisible by 5, as the test
//! fixtures are) the blocks are n/5 lines.

use repro_kit::{KitError, ResolvedDataset, Result};
use repro_kit_recsys::Rating;
use std::path::{Path, PathBuf};

/// The declared file (`configs/datasets.toml`, every `movielens-100k*` dataset).
pub const FILE: &str = "movielens-100k/u.data";

/// The movie file (`movie id | title | release date | video release date | IMDb URL | 19 genre
/// flags`, Latin-1).
pub const ITEM_FILE: &str = "movielens-100k/u.item";

/// The user file (`user id | age | gender | occupation | zip code`).
pub const USER_FILE: &str = "movielens-100k/u.user";

/// Genre flags per movie (`unknown`, `Action`, … `Western`).
pub const GENRES: usize = 19;

/// Ratings are whole stars 1–5 (`README`: "100,000 ratings (1-5)").
pub const SCALE: (f64, f64) = (1.0, 5.0);

/// Number of official splits (`u1`–`u5`).
pub const SPLITS: usize = 5;

/// One line of `u.data`: `user \t item \t rating \t timestamp`, with its text (without the
/// newline) kept for byte-exact split files.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// User id (1-based in MovieLens).
    pub user: u64,
    /// Item (movie) id (1-based).
    pub item: u64,
    /// Stars, 1–5.
    pub rating: f64,
    /// The line as in the file.
    pub text: String,
}

impl Line {
    /// The rating triple.
    pub fn rating(&self) -> Rating {
        Rating {
            user: self.user,
            item: self.item,
            value: self.rating,
        }
    }
}

/// Parses `u.data` text. Errors: a line without 4 tab-separated fields, a non-integer id or
/// timestamp, or a rating outside 1–5 (file and 1-based line named).
pub fn parse(text: &str, path: &Path) -> Result<Vec<Line>> {
    let bad = |n: usize, m: String| KitError::Data {
        path: path.to_path_buf(),
        message: format!("line {n}: {m}"),
    };
    let mut out = Vec::new();
    for (k, l) in text.lines().enumerate() {
        let f: Vec<&str> = l.split('\t').collect();
        if f.len() != 4 {
            return Err(bad(
                k + 1,
                format!(
                    "{} fields, expected 4 (user, item, rating, timestamp)",
                    f.len()
                ),
            ));
        }
        let int = |s: &str, what: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|e| bad(k + 1, format!("{what} `{s}`: {e}")))
        };
        let (user, item, stars) = (int(f[0], "user")?, int(f[1], "item")?, int(f[2], "rating")?);
        int(f[3], "timestamp")?;
        if !(1..=5).contains(&stars) {
            return Err(bad(k + 1, format!("rating {stars} outside 1-5")));
        }
        out.push(Line {
            user,
            item,
            rating: stars as f64,
            text: l.to_string(),
        });
    }
    if out.is_empty() {
        return Err(bad(0, "no ratings".into()));
    }
    Ok(out)
}

/// Reads and parses the dataset's `u.data`. Errors: not declared, unreadable, malformed.
pub fn load(dataset: &ResolvedDataset) -> Result<Vec<Line>> {
    let path = dataset.file(FILE)?;
    let text = std::fs::read_to_string(path).map_err(|e| KitError::Io {
        path: path.clone(),
        source: e,
    })?;
    parse(&text, path)
}

/// Official split `i` (1–5): (`u<i>.base`, `u<i>.test`) as `mku.sh` makes them (module docs).
///
/// Errors: `i` outside 1–5, or a line count not divisible by 5.
pub fn official_split(lines: &[Line], i: usize) -> Result<(Vec<Line>, Vec<Line>)> {
    if !(1..=SPLITS).contains(&i) {
        return Err(KitError::Invalid(format!(
            "MovieLens split u{i}: only u1-u5 exist"
        )));
    }
    if !lines.len().is_multiple_of(SPLITS) {
        return Err(KitError::Invalid(format!(
            "MovieLens splits: {} lines do not divide into 5 blocks",
            lines.len()
        )));
    }
    let block = lines.len() / SPLITS;
    let (a, b) = ((i - 1) * block, i * block);
    let mut test = lines[a..b].to_vec();
    let mut base: Vec<Line> = lines[..a].iter().chain(&lines[b..]).cloned().collect();
    sort_like_mku(&mut test);
    sort_like_mku(&mut base);
    Ok((base, test))
}

/// `sort -t TAB -k 1,1n -k 2,2n`: user, then item, then the whole line.
fn sort_like_mku(lines: &mut [Line]) {
    lines.sort_by(|x, y| {
        (x.user, x.item)
            .cmp(&(y.user, y.item))
            .then_with(|| x.text.as_bytes().cmp(y.text.as_bytes()))
    });
}

/// The bytes of a split file: each line and a newline (as `sort` writes it).
pub fn file_bytes(lines: &[Line]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l.text.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Side features of users and items (GC-MC's `--features` for ML-100K, `preprocessing.py`
/// `load_official_trainvaltest_split`), before normalisation: per user `[age / max age, gender
/// (M 0, F 1), occupation one-hot]` (2 + occupations columns; occupations in ascending order,
/// where the reference numbers them in Python `set` order, a permutation of the columns), per
/// movie its 19 genre flags.
#[derive(Debug, Clone, PartialEq)]
pub struct SideFeatures {
    /// Raw user id → features.
    pub users: std::collections::BTreeMap<u64, Vec<f32>>,
    /// Raw movie id → features.
    pub items: std::collections::BTreeMap<u64, Vec<f32>>,
}

/// Reads `u.user` and `u.item` of the dataset. Errors: a file not declared, unreadable, or a
/// line with too few fields or a non-numeric id, age or flag (file and line named).
pub fn load_side_features(dataset: &ResolvedDataset) -> Result<SideFeatures> {
    let read = |name: &str| -> Result<(PathBuf, String)> {
        let path = dataset.file(name)?.clone();
        let bytes = std::fs::read(&path).map_err(|e| KitError::Io {
            path: path.clone(),
            source: e,
        })?;
        // Latin-1: every byte is the code point of the same value.
        Ok((path, bytes.iter().map(|&b| b as char).collect()))
    };
    let (upath, utext) = read(USER_FILE)?;
    let (ipath, itext) = read(ITEM_FILE)?;
    Ok(SideFeatures {
        users: user_features(&utext, &upath)?,
        items: item_features(&itext, &ipath)?,
    })
}

/// `u.user` → features (see [`SideFeatures`]).
pub fn user_features(text: &str, path: &Path) -> Result<std::collections::BTreeMap<u64, Vec<f32>>> {
    let bad = |n: usize, m: &str| KitError::Data {
        path: path.to_path_buf(),
        message: format!("line {n}: {m}"),
    };
    let mut rows = Vec::new();
    for (k, l) in text.lines().enumerate() {
        let f: Vec<&str> = l.split('|').collect();
        if f.len() < 4 {
            return Err(bad(k + 1, "expected user id|age|gender|occupation|zip"));
        }
        let id = f[0].parse::<u64>().map_err(|_| bad(k + 1, "user id"))?;
        let age = f[1].parse::<f32>().map_err(|_| bad(k + 1, "age"))?;
        let gender = match f[2] {
            "M" => 0.0,
            "F" => 1.0,
            _ => return Err(bad(k + 1, "gender must be M or F")),
        };
        rows.push((id, age, gender, f[3].to_string()));
    }
    let occupations: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.3.as_str()).collect();
    let occupations: Vec<&str> = occupations.into_iter().collect();
    let age_max = rows.iter().map(|r| r.1).fold(0.0f32, f32::max);
    Ok(rows
        .iter()
        .map(|(id, age, gender, occ)| {
            let mut v = vec![0.0f32; 2 + occupations.len()];
            v[0] = if age_max > 0.0 { age / age_max } else { 0.0 };
            v[1] = *gender;
            if let Ok(j) = occupations.binary_search(&occ.as_str()) {
                v[2 + j] = 1.0;
            }
            (*id, v)
        })
        .collect())
}

/// `u.item` → the 19 genre flags per movie id.
pub fn item_features(text: &str, path: &Path) -> Result<std::collections::BTreeMap<u64, Vec<f32>>> {
    let bad = |n: usize, m: &str| KitError::Data {
        path: path.to_path_buf(),
        message: format!("line {n}: {m}"),
    };
    let mut out = std::collections::BTreeMap::new();
    for (k, l) in text.lines().enumerate() {
        let f: Vec<&str> = l.split('|').collect();
        if f.len() < 5 + GENRES {
            return Err(bad(
                k + 1,
                "expected movie id|title|dates|URL|19 genre flags",
            ));
        }
        let id = f[0].parse::<u64>().map_err(|_| bad(k + 1, "movie id"))?;
        let flags = f[f.len() - GENRES..]
            .iter()
            .map(|x| {
                x.trim()
                    .parse::<f32>()
                    .map_err(|_| bad(k + 1, "genre flag"))
            })
            .collect::<Result<Vec<f32>>>()?;
        out.insert(id, flags);
    }
    Ok(out)
}

/// Which protocol a dataset name selects: `movielens-100k-u<i>` → `Some(i)` (official split),
/// `movielens-100k` → `None` (all ratings, for cross-validation). Errors: any other name.
pub fn split_of(dataset: &str) -> Result<Option<usize>> {
    match dataset.strip_prefix("movielens-100k") {
        Some("") => Ok(None),
        Some(rest) => match rest
            .strip_prefix("-u")
            .and_then(|d| d.parse::<usize>().ok())
        {
            Some(i) if (1..=SPLITS).contains(&i) => Ok(Some(i)),
            _ => Err(unknown(dataset)),
        },
        None => Err(unknown(dataset)),
    }
}

fn unknown(dataset: &str) -> KitError {
    KitError::Invalid(format!(
        "dataset `{dataset}`: this reproduction runs on movielens-100k (5-fold cross-validation) \
         and movielens-100k-u1 … -u5 (official splits)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize) -> Vec<Line> {
        let text: String = (0..n)
            .map(|k| {
                format!(
                    "{}\t{}\t{}\t{}\n",
                    (k * 7) % 4 + 1,
                    (k * 3) % 10 + 1,
                    k % 5 + 1,
                    1000 + k
                )
            })
            .collect();
        parse(&text, Path::new("u.data")).unwrap()
    }

    #[test]
    fn splits_are_blocks_sorted_by_user_then_item() {
        let all = lines(20);
        let (base, test) = official_split(&all, 2).unwrap();
        assert_eq!((base.len(), test.len()), (16, 4));
        let mut want: Vec<&Line> = all[4..8].iter().collect();
        want.sort_by_key(|l| (l.user, l.item));
        assert_eq!(test.iter().collect::<Vec<_>>(), want);
        assert!(base
            .windows(2)
            .all(|w| (w[0].user, w[0].item) <= (w[1].user, w[1].item)));
        // the five test blocks partition the file
        let mut n = 0;
        for i in 1..=5 {
            n += official_split(&all, i).unwrap().1.len();
        }
        assert_eq!(n, 20);
        assert!(official_split(&all, 6).is_err());
        assert!(official_split(&all[..19], 1).is_err());
        assert_eq!(
            file_bytes(&test[..1]),
            format!("{}\n", test[0].text).into_bytes()
        );
    }

    #[test]
    fn numeric_not_lexical_order() {
        let text = "10\t2\t3\t1\n9\t5\t3\t1\n9\t10\t1\t1\n2\t1\t1\t1\n1\t1\t1\t1\n";
        let mut l = parse(text, Path::new("u.data")).unwrap();
        sort_like_mku(&mut l);
        let order: Vec<(u64, u64)> = l.iter().map(|x| (x.user, x.item)).collect();
        assert_eq!(order, vec![(1, 1), (2, 1), (9, 5), (9, 10), (10, 2)]);
    }

    #[test]
    fn malformed_lines_name_the_line() {
        let e = parse("1\t2\t3\n", Path::new("u.data"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1") && e.contains("3 fields"), "{e}");
        let e = parse("1\t2\t3\t4\n1\t2\t6\t4\n", Path::new("u.data"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("outside"), "{e}");
        assert!(parse("", Path::new("u.data")).is_err());
    }

    #[test]
    fn side_features_follow_the_reference() {
        let users = "1|24|M|technician|85711\n2|48|F|artist|94043\n";
        let u = user_features(users, Path::new("u.user")).unwrap();
        // occupations ascending: artist, technician
        assert_eq!(u[&1], vec![0.5, 0.0, 0.0, 1.0]);
        assert_eq!(u[&2], vec![1.0, 1.0, 1.0, 0.0]);
        let item = format!(
            "7|Title (1995)|01-Jan-1995||http://x|{}\n",
            ["0"; 18].join("|") + "|1"
        );
        let i = item_features(&item, Path::new("u.item")).unwrap();
        assert_eq!(i[&7].len(), GENRES);
        assert_eq!(i[&7][18], 1.0);
        assert!(user_features("1|x|M|a|1\n", Path::new("u.user")).is_err());
        assert!(item_features("1|short\n", Path::new("u.item")).is_err());
    }

    #[test]
    fn dataset_names_select_the_protocol() {
        assert_eq!(split_of("movielens-100k").unwrap(), None);
        assert_eq!(split_of("movielens-100k-u3").unwrap(), Some(3));
        assert!(split_of("movielens-100k-u6").is_err());
        assert!(split_of("iris").is_err());
    }
}
