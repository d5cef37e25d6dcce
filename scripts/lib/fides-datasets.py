#!/usr/bin/env python3
"""Writes, or checks, the Fides dataset files the data-map tests load.

The files are written by fideslang, Fides's own library, the way `fides generate dataset` writes
them (fideslang.manifests.write_manifest over Dataset.model_dump), so the tests read what Fides
writes rather than what Steward's authors think it writes.

    fides-datasets.py write DIR [--include-null]   write garden_waste_db.yaml into DIR
    fides-datasets.py check FIXTURES                every file under FIXTURES must be a valid
                                                    fideslang Dataset, and the folders named after
                                                    the installed fideslang exactly what it writes
"""
import sys
import tempfile
from pathlib import Path

import fideslang
import yaml
from fideslang import manifests
from fideslang.models import Dataset


def garden_waste() -> Dataset:
    """A council's garden waste subscriptions, with purposes declared at every level."""

    def field(name, categories, data_type, purposes=None, **meta):
        item = {"name": name, "data_categories": categories, "fides_meta": {"data_type": data_type, **meta}}
        if purposes is not None:
            item["data_purposes"] = purposes
        return item

    return Dataset.model_validate(
        {
            "fides_key": "garden_waste_db",
            "organization_fides_key": "default_organization",
            "name": "Garden waste subscriptions",
            "description": "Households that pay for fortnightly garden waste collection.",
            "data_categories": [],
            "data_purposes": ["garden_waste_collection"],
            "collections": [
                {
                    "name": "subscribers",
                    "description": "One row per subscription.",
                    "data_purposes": ["essential.service.payment_processing"],
                    "fields": [
                        field("id", ["system.operations"], "integer", primary_key=True),
                        field("email", ["user.contact.email"], "string", identity="email"),
                        field("full_name", ["user.name"], "string"),
                        field("postcode", ["user.contact.address.postal_code"], "string"),
                        field("bank_account", ["user.financial.bank_account"], "string", ["billing"]),
                        field("started_on", ["system.operations"], "string"),
                    ],
                },
                {
                    "name": "missed_collections",
                    "description": "Reports of bins not emptied.",
                    "data_purposes": ["marketing.advertising"],
                    "fields": [
                        field(
                            "subscriber_id",
                            ["system.operations"],
                            "integer",
                            references=[{"dataset": "garden_waste_db", "field": "subscribers.id", "direction": "from"}],
                        ),
                        field("reported_on", ["system.operations"], "string"),
                        field("notes", ["user.content"], "string", ["complaints_handling"]),
                    ],
                },
            ],
        }
    )


def write(directory: Path, include_null: bool) -> Path:
    path = directory / "garden_waste_db.yaml"
    manifests.write_manifest(str(path), [garden_waste().model_dump(mode="json", exclude_none=not include_null)], "dataset")
    return path


def check(fixtures: Path) -> None:
    paths = sorted(fixtures.glob("*/*.yaml"))
    if not paths:
        sys.exit(f"no Fides dataset files under {fixtures}")
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
        for item in document["dataset"]:
            Dataset.model_validate(item)
        print(f"{path}: a valid Fides dataset (fideslang {fideslang.__version__})")
    for include_null, suffix in ((False, ""), (True, "-include-null")):
        committed = fixtures / f"fideslang-{fideslang.__version__}{suffix}" / "garden_waste_db.yaml"
        if not committed.exists():
            sys.exit(f"{committed} is missing: write it with `{sys.argv[0]} write {committed.parent}{' --include-null' if include_null else ''}`")
        with tempfile.TemporaryDirectory() as scratch:
            fresh = write(Path(scratch), include_null)
            if fresh.read_bytes() != committed.read_bytes():
                sys.exit(f"{committed} is not what fideslang {fideslang.__version__} writes; write it again with `write`")
        print(f"{committed}: exactly what fideslang {fideslang.__version__} writes")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "write":
        print(write(Path(sys.argv[2]), "--include-null" in sys.argv[3:]))
    elif len(sys.argv) == 3 and sys.argv[1] == "check":
        check(Path(sys.argv[2]))
    else:
        sys.exit(__doc__)
