"""What people call the network's kinds and fields: message ids, translated where shown (the
pages, the terminal, and error messages that name a field)."""

from __future__ import annotations

from amparo.errors import N_, Label

TYPE_NAMES = {
    "phone": N_("phone number"),
    "clabe": N_("bank account (CLABE)"),
    "card": N_("card"),
    "mtcn": N_("Western Union control number"),
    "transfer_ref": N_("transfer reference"),
    "email": N_("e-mail address"),
    "url": N_("web link"),
    "social": N_("social media profile"),
    "btc": N_("Bitcoin wallet"),
    "tron": N_("Tron (USDT) wallet"),
    "eth": N_("Ethereum wallet"),
    "name": N_("name"),
}
CHANNEL_NAMES = {
    "call": N_("call"),
    "whatsapp": N_("WhatsApp"),
    "sms": N_("SMS"),
    "facebook": N_("Facebook"),
    "social": N_("social media"),
    "in_person": N_("in person"),
    "email": N_("e-mail"),
    "other": N_("other"),
}
# A report's fields as an error message names them ("The message is longer than…").
FIELD_NAMES = {
    "text": N_("message"),
    "narrative": N_("narrative"),
    "indicators": N_("indicators"),
    "reported_at": N_("date"),
    "channel": N_("channel"),
    "category": N_("kind of extortion"),
    "amount": N_("amount demanded"),
    "amount_paid": N_("amount paid"),
    "currency": N_("currency"),
    "place": N_("place"),
    "victim": N_("victim's details"),
    "sharing": N_("sharing"),
    "external_id": N_("external id"),
    "bucket": N_("period"),
}


def field(name: str) -> Label | str:
    """A field's name for an error message: translated when it is known, as given if not."""
    known = FIELD_NAMES.get(name)
    return Label(known) if known else name


def type_name(kind: str) -> Label | str:
    known = TYPE_NAMES.get(kind)
    return Label(known) if known else kind
