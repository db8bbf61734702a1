package sqlstore_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// stmtLog records every statement executed through a countingDriver and
// the rows it affected.
type stmtLog struct {
	mu    sync.Mutex
	execs []execRecord
}

type execRecord struct {
	query    string
	affected int64
	took     time.Duration
}

func (l *stmtLog) add(query string, res driver.Result, start time.Time) {
	took := time.Since(start)
	n, _ := res.RowsAffected()
	l.mu.Lock()
	l.execs = append(l.execs, execRecord{query, n, took})
	l.mu.Unlock()
}

// durations lists how long each statement starting with prefix took.
func (l *stmtLog) durations(prefix string) []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []time.Duration
	for _, e := range l.execs {
		if strings.HasPrefix(e.query, prefix) {
			out = append(out, e.took)
		}
	}
	return out
}

func (l *stmtLog) reset() {
	l.mu.Lock()
	l.execs = nil
	l.mu.Unlock()
}

// affected lists the rows affected by each statement starting with prefix.
func (l *stmtLog) affected(prefix string) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int64
	for _, e := range l.execs {
		if strings.HasPrefix(e.query, prefix) {
			out = append(out, e.affected)
		}
	}
	return out
}

// countingSQLite opens a fresh in-memory SQLite database (the real
// modernc driver) through a wrapper that logs executed statements. The
// wrapper's type hides the driver, as tracing wrappers do.
func countingSQLite(t *testing.T) (*sql.DB, *stmtLog) {
	t.Helper()
	src, err := sqlstore.ParseURL("sqlite://:memory:")
	if err != nil {
		t.Fatal(err)
	}
	probe, err := sql.Open(src.Driver, src.DSN)
	if err != nil {
		t.Fatal(err)
	}
	real := probe.Driver()
	probe.Close()
	log := &stmtLog{}
	db := sql.OpenDB(countingConnector{drv: countingDriver{real, log}, dsn: src.DSN})
	db.SetMaxOpenConns(1) // one connection keeps the memory database alive
	t.Cleanup(func() { db.Close() })
	return db, log
}

type countingConnector struct {
	drv countingDriver
	dsn string
}

func (c countingConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c countingConnector) Driver() driver.Driver                        { return c.drv }

type countingDriver struct {
	real driver.Driver
	log  *stmtLog
}

func (d countingDriver) Open(dsn string) (driver.Conn, error) {
	c, err := d.real.Open(dsn)
	if err != nil {
		return nil, err
	}
	return &countingConn{c, d.log}, nil
}

type countingConn struct {
	driver.Conn
	log *stmtLog
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &countingStmt{s, query, c.log}, nil
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	start := time.Now()
	res, err := c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	if err == nil {
		c.log.add(query, res, start)
	}
	return res, err
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

type countingStmt struct {
	driver.Stmt
	query string
	log   *stmtLog
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	start := time.Now()
	res, err := s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	if err == nil {
		s.log.add(s.query, res, start)
	}
	return res, err
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}
