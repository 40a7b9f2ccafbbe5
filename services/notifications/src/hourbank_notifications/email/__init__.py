"""The email channel: templates, the SMTP mailer, and the sender of due deliveries."""
