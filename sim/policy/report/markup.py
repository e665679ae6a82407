"""HTML building blocks of the report: tables and embedded figures."""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from typing import Any

__all__ = ["data_uri", "figure", "html_table"]


def data_uri(path: Path) -> str:
    """A PNG file as a ``data:`` URI (the page embeds its figures)."""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def figure(uri: str, alt: str, caption: str, fig_id: str) -> str:
    """A ``<figure>`` with its image, alternative text and caption (HTML already)."""
    return (
        f'<figure id="{fig_id}"><img src="{uri}" alt="{escape(alt)}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def html_table(header: list[str], rows: list[Any], table_id: str, cls: str = "") -> str:
    """An HTML table; cells are HTML already (escape text before); a str row is a whole ``<tr>``."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        row if isinstance(row, str) else "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
        for row in rows
    )
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<table id="{table_id}"{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )
