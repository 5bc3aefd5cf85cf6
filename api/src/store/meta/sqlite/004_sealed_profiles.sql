-- Emails and display names leave the clear (docs/design.md §1). Each account
-- gets a keyed index of its email and both fields sealed to it; the keys come
-- from the token secret, so a hook in Rust (`profiles::seal_all`) fills the
-- new columns right after this step, and 005 drops the plaintext ones.
ALTER TABLE users ADD COLUMN email_index BLOB;
ALTER TABLE users ADD COLUMN email_ct BLOB;
ALTER TABLE users ADD COLUMN display_name_ct BLOB;

-- The check value of the secret the accounts are sealed under (one row).
CREATE TABLE key_check (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BLOB    NOT NULL CHECK (length(value) = 32)
) STRICT;
