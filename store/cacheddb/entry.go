package cacheddb

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/sessionkit/sessionkit"
)

// Entry formats. The first byte is neither a pickle opcode nor a digit, so
// Django's cache backends fail on it (a miss for cached_db) instead of
// misreading it.
//
//	value:      0x02, stamp (8 bytes), Record.Expiry (8 bytes),
//	            uvarint length of Record.UserID, its bytes, Record.Data
//	tombstone:  0x03, stamp (8 bytes)
//
// Times are Unix nanoseconds, big-endian.
const (
	kindValue     = 0x02
	kindTombstone = 0x03
)

var errCorrupt = errors.New("cacheddb: corrupt cache entry")

type entry struct {
	stamp     int64
	tombstone bool
	rec       sessionkit.Record
}

func encodeValue(stamp time.Time, rec sessionkit.Record) []byte {
	b := make([]byte, 0, 1+8+8+binary.MaxVarintLen64+len(rec.UserID)+len(rec.Data))
	b = append(b, kindValue)
	b = binary.BigEndian.AppendUint64(b, uint64(stamp.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(rec.Expiry.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(rec.UserID)))
	b = append(b, rec.UserID...)
	return append(b, rec.Data...)
}

func encodeTombstone(stamp time.Time) []byte {
	b := make([]byte, 0, 9)
	b = append(b, kindTombstone)
	return binary.BigEndian.AppendUint64(b, uint64(stamp.UnixNano()))
}

// decodeEntry parses an entry; the record's Data aliases v.
func decodeEntry(v []byte) (entry, error) {
	if len(v) < 9 {
		return entry{}, errCorrupt
	}
	e := entry{stamp: int64(binary.BigEndian.Uint64(v[1:9]))}
	switch v[0] {
	case kindTombstone:
		if len(v) != 9 {
			return entry{}, errCorrupt
		}
		e.tombstone = true
		return e, nil
	case kindValue:
	default:
		return entry{}, errCorrupt
	}
	if len(v) < 18 {
		return entry{}, errCorrupt
	}
	e.rec.Expiry = time.Unix(0, int64(binary.BigEndian.Uint64(v[9:17])))
	n, w := binary.Uvarint(v[17:])
	if w <= 0 || n > uint64(len(v)-17-w) {
		return entry{}, errCorrupt
	}
	rest := v[17+w:]
	e.rec.UserID = string(rest[:n])
	e.rec.Data = rest[n:]
	if len(e.rec.Data) == 0 {
		e.rec.Data = []byte{}
	}
	return e, nil
}
