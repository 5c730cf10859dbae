//! A checked decoder for gzipped IDX files, the format of MNIST and Fashion-MNIST
//! (LeCun et al., <http://yann.lecun.com/exdb/mnist/>, section "FILE FORMATS FOR THE MNIST
//! DATABASE").
//!
//! An IDX file is a 4-byte magic number `0x00 0x00 <type> <ndim>`, then `ndim` big-endian `u32`
//! dimension sizes, then the payload in row-major order. Only unsigned bytes (`type = 0x08`) are
//! accepted: Fashion-MNIST labels are `0x00000801` (1-D) and images `0x00000803` (3-D).
//!
//! Every check fails with [`KitError::Data`] naming the file: a file that cannot be gunzipped, a
//! wrong magic number, a wrong number of dimensions, a header cut short, a payload shorter than
//! the header declares (truncated) or longer (trailing bytes). Nothing here panics on bad input.

use crate::{KitError, Result};
use flate2::read::GzDecoder;
use std::io::Read;
use std::path::Path;

/// IDX type byte of unsigned 8-bit data.
pub const TYPE_U8: u8 = 0x08;

/// A decoded IDX array of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Dimension sizes as the header declares them, e.g. `[60000, 28, 28]` for images.
    pub dims: Vec<usize>,
    /// The payload, row-major; `data.len()` equals the product of `dims`.
    pub data: Vec<u8>,
}

fn bad(path: &Path, message: String) -> KitError {
    KitError::Data {
        path: path.to_path_buf(),
        message,
    }
}

/// Decodes the (already gunzipped) bytes of an IDX file of unsigned bytes with `ndim`
/// dimensions. `path` only names the file in errors.
///
/// Errors: magic number other than `0x0000 08 <ndim>`; header shorter than `4 + 4·ndim` bytes;
/// a dimension product that overflows `usize`; payload length different from the product of the
/// dimensions (the message gives both sizes).
pub fn decode(bytes: &[u8], ndim: usize, path: &Path) -> Result<IdxArray> {
    if bytes.len() < 4 {
        return Err(bad(
            path,
            format!(
                "not an IDX file: {} bytes, too short for the 4-byte magic number",
                bytes.len()
            ),
        ));
    }
    let magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let want = (u32::from(TYPE_U8) << 8) | ndim as u32;
    if bytes[0] != 0 || bytes[1] != 0 || bytes[2] != TYPE_U8 || usize::from(bytes[3]) != ndim {
        return Err(bad(
            path,
            format!(
                "IDX magic number is 0x{magic:08x}, expected 0x{want:08x} (unsigned bytes, {ndim} dimension(s))"
            ),
        ));
    }
    let header = 4 + 4 * ndim;
    if bytes.len() < header {
        return Err(bad(
            path,
            format!(
                "IDX header truncated: {} bytes, the {ndim}-dimensional header needs {header}",
                bytes.len()
            ),
        ));
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad(path, format!("IDX dimensions {dims:?} overflow")))?;
    let actual = bytes.len() - header;
    if actual < expected {
        return Err(bad(
            path,
            format!(
                "IDX payload truncated: the header declares dimensions {dims:?} = {expected} bytes, the file holds {actual}"
            ),
        ));
    }
    if actual > expected {
        return Err(bad(
            path,
            format!(
                "IDX payload has {} trailing bytes: the header declares dimensions {dims:?} = {expected} bytes, the file holds {actual}",
                actual - expected
            ),
        ));
    }
    Ok(IdxArray {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Gunzips `bytes` (a single gzip member); errors name `path`.
pub fn gunzip(bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| bad(path, format!("not a complete gzip stream: {e}")))?;
    Ok(out)
}

/// Reads, gunzips and decodes the IDX file at `path` (unsigned bytes, `ndim` dimensions).
/// Errors: [`KitError::Io`] if the file cannot be read, [`KitError::Data`] as [`gunzip`] and
/// [`decode`].
pub fn read_gz(path: &Path, ndim: usize) -> Result<IdxArray> {
    let raw = std::fs::read(path).map_err(|source| KitError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode(&gunzip(&raw, path)?, ndim, path)
}

/// Reads a gzipped IDX image file (magic `0x00000803`) whose images are `rows`×`cols`; returns
/// the number of images and the pixels, image-major then row-major (`n·rows·cols` bytes).
pub fn read_images(path: &Path, rows: usize, cols: usize) -> Result<(usize, Vec<u8>)> {
    let a = read_gz(path, 3)?;
    if a.dims[1] != rows || a.dims[2] != cols {
        return Err(bad(
            path,
            format!(
                "images are {}x{}, expected {rows}x{cols}",
                a.dims[1], a.dims[2]
            ),
        ));
    }
    Ok((a.dims[0], a.data))
}

/// Reads a gzipped IDX label file (magic `0x00000801`) and checks every label is below
/// `classes`.
pub fn read_labels(path: &Path, classes: usize) -> Result<Vec<u8>> {
    let a = read_gz(path, 1)?;
    if let Some((i, l)) = a
        .data
        .iter()
        .enumerate()
        .find(|(_, &l)| usize::from(l) >= classes)
    {
        return Err(bad(
            path,
            format!("label {l} at index {i} is out of range 0..{classes}"),
        ));
    }
    Ok(a.data)
}

/// Encodes `data` with `dims` as an (uncompressed) IDX file of unsigned bytes; the inverse of
/// [`decode`], used by tests to write synthetic datasets.
pub fn encode(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, TYPE_U8, dims.len() as u8];
    for d in dims {
        out.extend_from_slice(&(*d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

/// Gzips `bytes` (for tests that write synthetic `.gz` files).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).expect("writing to a Vec cannot fail");
    e.finish().expect("writing to a Vec cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("fashion-mnist/x.gz")
    }

    #[test]
    fn decodes_a_good_file() {
        let data: Vec<u8> = (0..2 * 3 * 4).map(|i| i as u8).collect();
        let a = decode(&encode(&[2, 3, 4], &data), 3, p()).unwrap();
        assert_eq!(a.dims, vec![2, 3, 4]);
        assert_eq!(a.data, data);
        let l = decode(&encode(&[5], &[0, 1, 2, 3, 9]), 1, p()).unwrap();
        assert_eq!(l.dims, vec![5]);
    }

    #[test]
    fn truncated_payload_names_file_and_both_sizes() {
        let mut b = encode(&[2, 3, 4], &[7; 24]);
        b.truncate(b.len() - 5);
        let e = decode(&b, 3, p()).unwrap_err().to_string();
        assert!(e.contains("fashion-mnist/x.gz"), "{e}");
        assert!(
            e.contains("truncated") && e.contains("24") && e.contains("19"),
            "{e}"
        );
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let mut b = encode(&[4], &[1, 2, 3, 4]);
        b.extend_from_slice(&[0, 0]);
        let e = decode(&b, 1, p()).unwrap_err().to_string();
        assert!(e.contains("2 trailing bytes"), "{e}");
    }

    #[test]
    fn wrong_magic_and_wrong_dims_are_errors() {
        let labels = encode(&[4], &[1, 2, 3, 4]);
        // A label file where an image file is expected: magic 0x801 vs 0x803.
        let e = decode(&labels, 3, p()).unwrap_err().to_string();
        assert!(e.contains("0x00000801") && e.contains("0x00000803"), "{e}");
        let mut float = labels.clone();
        float[2] = 0x0D;
        assert!(decode(&float, 1, p()).is_err());
        let mut nonzero = labels;
        nonzero[0] = 1;
        assert!(decode(&nonzero, 1, p()).is_err());
    }

    #[test]
    fn short_headers_do_not_panic() {
        for n in 0..16 {
            let b = encode(&[1, 1, 1], &[0]);
            let _ = decode(&b[..n.min(b.len())], 3, p());
        }
        let e = decode(&[0, 0, 8, 3, 0, 0], 3, p()).unwrap_err().to_string();
        assert!(e.contains("header truncated"), "{e}");
        assert!(decode(&[], 1, p()).is_err());
    }

    #[test]
    fn overflowing_dimensions_are_an_error() {
        let b = encode(
            &[u32::MAX as usize, u32::MAX as usize, u32::MAX as usize],
            &[],
        );
        assert!(decode(&b, 3, p()).is_err());
    }

    #[test]
    fn gzip_roundtrip_and_corrupt_gzip() {
        let raw = encode(&[3], &[1, 2, 3]);
        let gz = gzip(&raw);
        assert_eq!(gunzip(&gz, p()).unwrap(), raw);
        let cut = &gz[..gz.len() - 6];
        let e = gunzip(cut, p()).unwrap_err().to_string();
        assert!(e.contains("gzip") && e.contains("x.gz"), "{e}");
        assert!(gunzip(b"definitely not gzip", p()).is_err());
    }

    #[test]
    fn read_checks_image_size_and_label_range() {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("img.gz");
        std::fs::write(&img, gzip(&encode(&[2, 2, 3], &[0; 12]))).unwrap();
        assert_eq!(read_images(&img, 2, 3).unwrap().0, 2);
        let e = read_images(&img, 28, 28).unwrap_err().to_string();
        assert!(e.contains("2x3") && e.contains("28x28"), "{e}");
        let lab = dir.path().join("lab.gz");
        std::fs::write(&lab, gzip(&encode(&[3], &[0, 9, 10]))).unwrap();
        let e = read_labels(&lab, 10).unwrap_err().to_string();
        assert!(e.contains("label 10 at index 2"), "{e}");
        let missing = dir.path().join("missing.gz");
        let e = read_labels(&missing, 10).unwrap_err().to_string();
        assert!(e.contains("missing.gz"), "{e}");
    }
}
