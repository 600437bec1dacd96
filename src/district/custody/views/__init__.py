"""The custody app's pages, by party. Views are thin: parse, check who is asking
(:mod:`district.custody.views.guards`), call one service, render."""

from district.custody.views.consumer import (
    buy,
    confirm_check_in,
    contract,
    dispute_check_in,
    my_contracts,
    my_receipts,
    open_dispute,
    receipt_json,
    refund,
    use_session,
)
from district.custody.views.merchant import merchant, merchant_home, record_check_in
from district.custody.views.notary import notary, settle, settle_merchant, statement, statements
from district.custody.views.public import index, public_key, verify
from district.custody.views.regulator import (
    close_warning,
    closure,
    closures,
    disputes,
    regulator,
    regulator_merchant,
    resolve_dispute,
    scan_risks,
)

__all__ = [
    "buy",
    "close_warning",
    "closure",
    "closures",
    "confirm_check_in",
    "contract",
    "dispute_check_in",
    "disputes",
    "index",
    "merchant",
    "merchant_home",
    "my_contracts",
    "my_receipts",
    "notary",
    "open_dispute",
    "public_key",
    "receipt_json",
    "record_check_in",
    "refund",
    "regulator",
    "regulator_merchant",
    "resolve_dispute",
    "scan_risks",
    "settle",
    "settle_merchant",
    "statement",
    "statements",
    "use_session",
    "verify",
]
