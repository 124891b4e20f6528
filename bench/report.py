"""Markdown of one bench result for docs/performance.md: the table and the search plans.

Usage: python bench/report.py bench/results/<timestamp>.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import table


def main(path: str) -> None:
    result = json.loads(Path(path).read_text())
    main_size = result["sizes"][str(result["keys"])]
    print(table(result))
    for name, data in main_size.get("explain", {}).items():
        query = json.dumps(data["query"], ensure_ascii=False)
        print(f"\n### {name.replace('_', ' ')} search: `{query}`\n")
        for number, plan in enumerate(data["plans"], start=1):
            sql = plan["sql"] if len(plan["sql"]) <= 600 else plan["sql"][:600] + " …"
            shown = "\n".join(
                line if len(line) <= 300 else line[:300] + " …" for line in plan["plan"].split("\n")
            )
            print(f"Query {number}:\n\n```sql\n{sql}\n```\n\n```\n{shown}\n```\n")


if __name__ == "__main__":
    main(sys.argv[1])
