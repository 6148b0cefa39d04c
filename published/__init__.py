"""Proactively published information (Ordinance No 219): the Annex as data, its due-date rules,
the publication register's format, search over it, and compliance. Pure code over loaded data;
storage is reached through `bot.ports.Register`."""
