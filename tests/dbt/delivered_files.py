"""Reading the delivered CSV files the way the contract describes, independently of the warehouse code."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd


def read_csv(path: Path) -> pd.DataFrame:
    """A contract CSV as strings (BOM, ';', '"', header names case-insensitive; empty = NaN)."""
    df = pd.read_csv(
        path, sep=";", quotechar='"', dtype=str, encoding="utf-8-sig", keep_default_na=False, na_values=[""]
    )
    df.columns = [c.strip().lower() for c in df.columns]
    return df


def to_date(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="%d-%m-%Y", errors="raise").dt.date


def to_timestamp(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="%d-%m-%Y %H:%M:%S", errors="coerce").fillna(
        pd.to_datetime(s, format="%d-%m-%Y", errors="coerce")
    )


def to_amount(s: pd.Series) -> pd.Series:
    return s.str.replace(",", ".", regex=False).astype(float)


def snapshot(deliveries: list[Path], name: str) -> pd.DataFrame:
    """A snapshot file as of the last delivery (it is complete in every delivery)."""
    return read_csv(deliveries[-1] / f"{name}.csv")


def events(deliveries: list[Path], name: str, key: list[str]) -> pd.DataFrame:
    """An event file's current state: every delivery's rows, the latest gewijzigd_op per key wins,
    keys named in verwijderingen after that version are dropped."""
    frames = []
    for order, d in enumerate(deliveries):
        df = read_csv(d / f"{name}.csv")
        df["_order"] = order
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    df["_ts"] = to_timestamp(df["gewijzigd_op"])
    df = df.sort_values(["_ts", "_order"]).drop_duplicates(key, keep="last")
    deleted = []
    for d in deliveries:
        v = read_csv(d / "verwijderingen.csv")
        deleted += list(v.loc[v["tabel"] == name, "sleutel"])
    keys = df[key].astype(str).agg("|".join, axis=1)
    return df[~keys.isin(set(deleted))].drop(columns=["_order", "_ts"])


def manifest_extractdatum(delivery: Path) -> dt.date:
    return dt.date.fromisoformat(json.loads((delivery / "manifest.json").read_text())["extractdatum"])
