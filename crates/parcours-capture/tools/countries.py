"""Writes `data/countries.txt` (one country name in French per line,
sorted) from the npm package `i18n-iso-countries` 7.14.0 (MIT), ISO 3166-1
names, with the names French administration also uses (INSEE's list of
countries) for a few:

    cd /tmp && npm pack i18n-iso-countries@7.14.0 && tar xzf i18n-iso-countries-7.14.0.tgz
    .tools/venv/bin/python crates/parcours-capture/tools/countries.py \\
        /tmp/package/langs/fr.json"""

import json
import sys
from pathlib import Path

# INSEE's spellings where they differ from ISO's.
INSEE = ["Côte d'Ivoire", "Viêt Nam", "États-Unis", "Congo", "Tchéquie", "Corée",
         "Russie", "Macédoine du Nord", "Bosnie", "Guinée équatoriale", "Centrafrique"]
names = set(INSEE)
for v in json.load(open(sys.argv[1], encoding="utf-8"))["countries"].values():
    names.update(v if isinstance(v, list) else [v])
out = Path(__file__).resolve().parent.parent / "data" / "countries.txt"
out.write_text("".join(f"{n}\n" for n in sorted(names)), encoding="utf-8")
print(f"{len(names)} country names -> {out}")
