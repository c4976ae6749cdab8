package sqlite

import (
	"context"
	"strconv"
)

// OpenAtVersion opens path with its schema migrated only up to version, to test later migrations.
func OpenAtVersion(ctx context.Context, path string, version int) (*Store, error) {
	return open(ctx, path, nil, version)
}

// SetMaxPageCount caps the database's size on the writer connection, so writes fail as on a full disk.
func SetMaxPageCount(s *Store, pages int) error {
	var got int
	return s.write.QueryRowContext(context.Background(), "PRAGMA max_page_count = "+itoa(pages)).Scan(&got)
}

func itoa(n int) string { return strconv.Itoa(n) }
