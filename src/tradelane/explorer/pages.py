"""What each page shows, read from the explorer's database: the same dict is the JSON twin
(`/api/...`) and what the HTML template renders.

Amounts are decimal strings in whole tokens (`"8553.6"`) beside the token's symbol, and
times are UNIX seconds of the chain's blocks. Nothing here talks to the chain.

Each page's data is built in its own module (orders_list, order_page, party_page,
documents); `Explorer` puts them together behind one object.
"""

from __future__ import annotations

from tradelane.explorer.dispute import SETTLEMENT
from tradelane.explorer.documents import DocumentCheck, hashes_of_file, hashes_of_text
from tradelane.explorer.formatting import TokenInfo
from tradelane.explorer.journey import CHECKPOINT_LABELS
from tradelane.explorer.order_page import SHOWN, OrderPage
from tradelane.explorer.orders_list import PER_PAGE, STATUS_LABELS, OrdersList
from tradelane.explorer.parsing import (
    ADDRESS,
    HASH,
    ORDER_ID,
    BadRequest,
    NotFound,
    PageError,
    parse_address,
    parse_order_id,
)
from tradelane.explorer.party_page import LAST_TRADES, PartyPage


class Explorer(OrdersList, OrderPage, PartyPage, DocumentCheck):
    """The pages' data from `store`; `names` (address: name) beside those stored."""


__all__ = [
    "ADDRESS",
    "CHECKPOINT_LABELS",
    "HASH",
    "LAST_TRADES",
    "ORDER_ID",
    "PER_PAGE",
    "SETTLEMENT",
    "SHOWN",
    "STATUS_LABELS",
    "BadRequest",
    "Explorer",
    "NotFound",
    "PageError",
    "TokenInfo",
    "hashes_of_file",
    "hashes_of_text",
    "parse_address",
    "parse_order_id",
]
