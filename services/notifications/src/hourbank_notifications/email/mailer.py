"""SMTP with the settings' host, port, TLS mode and credentials."""

import smtplib
from email.message import EmailMessage

from hourbank_notifications.email.templates import Email
from hourbank_notifications.settings import NotificationsSettings


class SmtpMailer:
    def __init__(self, settings: NotificationsSettings) -> None:
        if not settings.smtp_host:
            raise ValueError("email needs HOURBANK_NOTIFICATIONS_SMTP_HOST")
        self._host = settings.smtp_host
        self._settings = settings

    def send(self, email: Email) -> None:
        s = self._settings
        message = EmailMessage()
        message["From"] = s.smtp_sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message.set_content(email.plain)
        message.add_alternative(email.html, subtype="html")
        smtp_class = smtplib.SMTP_SSL if s.smtp_tls == "ssl" else smtplib.SMTP
        with smtp_class(self._host, s.smtp_port, timeout=s.smtp_timeout) as smtp:
            if s.smtp_tls == "starttls":
                smtp.starttls()
            if s.smtp_user and s.smtp_password:
                smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
            smtp.send_message(message)
