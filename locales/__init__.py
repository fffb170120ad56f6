"""Gettext catalogs: messages.pot and <lang>/LC_MESSAGES/messages.po (compiled .mo in wheels)."""
