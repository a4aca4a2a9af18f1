-- SQLite dialect of db/migration/postgresql/V14: nothing to do. That migration makes the
-- device_filesystem table notify the other instances on one PostgreSQL database; the embedded
-- database is one instance's, with no one to tell. Kept so both dialects number alike.
SELECT 1;
