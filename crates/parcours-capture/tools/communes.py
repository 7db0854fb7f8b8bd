"""Writes `data/communes.tsv` (postcode TAB official commune name, one line
each, sorted) from La Poste's base of postcodes as the npm package
`codes-postaux` 4.1.2 ships it (MIT; data: La Poste, Licence Ouverte):

    cd /tmp && npm pack codes-postaux@4.1.2 && tar xzf codes-postaux-4.1.2.tgz
    .tools/venv/bin/python crates/parcours-capture/tools/communes.py \\
        /tmp/package/codes-postaux.json

Paris, Lyon and Marseille's arrondissements are the city itself."""

import json
import re
import sys
from pathlib import Path

rows = set()
for r in json.load(open(sys.argv[1], encoding="utf-8")):
    name = re.sub(r" \d+(er|e) Arrondissement$", "", r["nomCommune"])
    rows.add((r["codePostal"], name))
out = Path(__file__).resolve().parent.parent / "data" / "communes.tsv"
out.write_text("".join(f"{pc}\t{name}\n" for pc, name in sorted(rows)), encoding="utf-8")
print(f"{len(rows)} postcode-commune pairs -> {out}")
