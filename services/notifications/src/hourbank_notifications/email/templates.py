"""A notification as an email: subject, plain text and HTML."""

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    plain: str
    html: str


FOOTER = "You get this email because of your HourBank notification preferences."


def render(to: str, title: str, message: str) -> Email:
    plain = f"{title}\n\n{message}\n\n-- \n{FOOTER}\n"
    html = (
        '<!doctype html><html><body style="font-family: sans-serif">'
        f"<h2>{escape(title)}</h2><p>{escape(message)}</p>"
        f'<hr><p style="color: #666; font-size: small">{escape(FOOTER)}</p>'
        "</body></html>"
    )
    return Email(to=to, subject=f"HourBank: {title}", plain=plain, html=html)
