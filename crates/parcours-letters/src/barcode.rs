//! Code 128 barcodes of S10 numbers, drawn as filled rectangles (vector, so
//! they stay sharp at any printer resolution).

use barcoders::sym::code128::Code128;
use parcours_domain::s10::S10;

use crate::draw::Page;
use crate::LetterError;

/// Width of the narrowest bar, in millimetres. La Poste's scanners and a
/// 150 dpi scan both read bars of 0.33 mm and more; 0.38 mm leaves margin for
/// toner spread and cheap printers.
pub const MODULE_MM: f32 = 0.38;

/// Code 128 data for an S10 number: the letters in set A, the 8-digit serial
/// in set C (two digits per symbol), the check digit and country back in set A.
/// This is 2 symbols shorter than set B throughout.
fn code128_data(s10: &S10) -> String {
    let compact = s10.compact();
    format!(
        "\u{00C0}{}\u{0106}{}\u{00C0}{}",
        &compact[0..2],
        &compact[2..10],
        &compact[10..13]
    )
}

/// The bar pattern (1 = bar, 0 = space, one entry per module) of an S10 number.
pub fn modules(s10: &S10) -> Result<Vec<u8>, LetterError> {
    let code = Code128::new(code128_data(s10)).map_err(|e| LetterError::Barcode {
        value: s10.compact(),
        message: e.to_string(),
    })?;
    Ok(code.encode())
}

/// Draws the barcode of `s10` with its top-left corner at (`x`, `y`), `h` mm
/// tall. The caller leaves 10 modules (3.8 mm) of white on each side.
pub fn draw(page: &mut Page, s10: &S10, x: f32, y: f32, h: f32) -> Result<f32, LetterError> {
    let modules = modules(s10)?;
    let mut i = 0;
    while i < modules.len() {
        if modules[i] == 1 {
            let start = i;
            while i < modules.len() && modules[i] == 1 {
                i += 1;
            }
            let w = (i - start) as f32 * MODULE_MM;
            page.fill(x + start as f32 * MODULE_MM, y, w, h);
        } else {
            i += 1;
        }
    }
    Ok(modules.len() as f32 * MODULE_MM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s10_fits_in_a_window() {
        let s10 = S10::parse("RA123456785FR").unwrap();
        let w = modules(&s10).unwrap().len() as f32 * MODULE_MM;
        // start + 2 letters + code C + 4 pairs + code A + 3 + check = 13
        // symbols of 11 modules, and a 13-module stop.
        assert_eq!(modules(&s10).unwrap().len(), 13 * 11 + 13);
        assert!(w < 65.0, "a DL window is 100 mm wide: {w} mm");
    }
}
