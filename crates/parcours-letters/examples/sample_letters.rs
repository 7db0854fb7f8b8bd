//! Writes one of each document to a folder, to look at or print on a real
//! envelope: `cargo run -p parcours-letters --example sample_letters -- /tmp/letters`.

use chrono::NaiveDate;
use parcours_domain::address;
use parcours_domain::s10::S10;
use parcours_domain::Civility;
use parcours_letters::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "letters".into());
    std::fs::create_dir_all(&dir)?;
    let date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let address = address::build(
        Some(Civility::Madame),
        "Hélène Marie",
        "Lefèvre-Dupré",
        Some("Appartement 12, escalier B"),
        "14 boulevard du Maréchal de Lattre de Tassigny",
        "97110",
        "Pointe-à-Pitre",
    )?;
    let templates = Templates::embedded();
    let layout = LetterLayout::default();
    let registered = RegisteredLetter {
        reference: "PA-2026-000123".into(),
        s10: S10::new("RA", 12345678, "FR")?,
        civility: Some(Civility::Madame),
        address: address.clone(),
        date,
        activation_code: new_activation_code(&mut rand::thread_rng()),
        sender: Sender::default(),
    };
    std::fs::write(
        format!("{dir}/registered.pdf"),
        registered_letter(&registered, &layout, &templates)?,
    )?;
    let complement = ComplementLetter {
        reference: "PA-2026-000124".into(),
        civility: Some(Civility::Madame),
        address: address.clone(),
        date,
        reasons: vec![
            "La copie de votre pièce d'identité est illisible.".into(),
            "Le formulaire n'est pas signé.".into(),
            "Le justificatif de numéro de sécurité sociale manque.".into(),
        ],
        sender: Sender::default(),
    };
    std::fs::write(
        format!("{dir}/complement.pdf"),
        complement_letter(&complement, &layout, &templates)?,
    )?;
    let rejection = RejectionLetter {
        reference: "PA-2026-000125".into(),
        civility: None,
        address,
        date,
        reason: "Votre pièce d'identité était expirée à la date de réception de votre dossier."
            .into(),
        sender: Sender::default(),
    };
    std::fs::write(
        format!("{dir}/rejection.pdf"),
        rejection_letter(&rejection, &layout, &templates)?,
    )?;
    let batch = Batch {
        id: "2026-12-01-A".into(),
        date,
        sender: Sender::default(),
        items: (0..60)
            .map(|i| SlipItem {
                s10: S10::new("RA", 12345678 + i, "FR").unwrap(),
                recipient: format!("MADAME HELENE LEFEVRE-DUPRE {i}"),
                postcode: "97110".into(),
                city: "POINTE A PITRE".into(),
                reference: format!("PA-2026-{:06}", 123 + i),
            })
            .collect(),
    };
    std::fs::write(format!("{dir}/slip.pdf"), deposit_slip(&batch)?)?;
    println!("written to {dir}");
    Ok(())
}
