package sqlite

import "context"

// OpenAtVersion opens path with its schema migrated only up to version, to test later migrations.
func OpenAtVersion(ctx context.Context, path string, version int) (*Store, error) {
	return open(ctx, path, nil, version)
}
