"""A read-only CardDAV address book per viewer (RFC 6352, sync-collection from RFC 6578)."""
