package bot

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// BriefingFile keeps the briefing records in one JSON file in the data
// folder, rewritten atomically on every change: a crash leaves the old
// file or the new one, never half of one. One serve process holds a data
// folder (retrieval.LockFolder), so a claim held by a holder that did not
// claim through this BriefingFile is an earlier run's, which crashed or
// stopped mid-post: it is taken over at once instead of waiting out its
// lease. It is safe for concurrent use.
type BriefingFile struct {
	path string

	mu      sync.Mutex
	records []BriefingRecord
	mine    map[string]bool // holders that claimed through this file
}

// keepDays is how many days of records per server the file keeps.
const keepDays = 31

type briefingFile struct {
	Version int              `json:"version"`
	Records []BriefingRecord `json:"records"`
}

// OpenBriefingFile reads the records kept in path; a missing file holds
// none, and it is created with its folder at the first claim.
func OpenBriefingFile(path string) (*BriefingFile, error) {
	f := &BriefingFile{path: path, mine: map[string]bool{}}
	var file briefingFile
	if err := readJSONFile(path, "briefing records", &file); err != nil {
		return nil, err
	}
	f.records = file.Records
	return f, nil
}

func (f *BriefingFile) find(scope, day string) int {
	return slices.IndexFunc(f.records, func(r BriefingRecord) bool { return r.Scope == scope && r.Day == day })
}

// Claim implements BriefingLog.
func (f *BriefingFile) Claim(ctx context.Context, first BriefingRecord, holder string, now, leaseUntil time.Time) (BriefingRecord, bool, error) {
	if err := ctx.Err(); err != nil {
		return BriefingRecord{}, false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	next := slices.Clone(f.records)
	i := f.find(first.Scope, first.Day)
	if i < 0 {
		first.State, first.Attempts, first.Holder, first.MessageID, first.Error = "", 0, "", "", ""
		next = append(next, first)
		i = len(next) - 1
	}
	rec := next[i]
	if rec.Done() || rec.Holder != "" && f.mine[rec.Holder] && rec.LeaseUntil.After(now) {
		return rec, false, nil
	}
	rec.Attempts++
	rec.Holder, rec.LeaseUntil = holder, leaseUntil
	next[i] = rec
	if err := f.save(prune(next, first.Scope)); err != nil {
		return BriefingRecord{}, false, err
	}
	f.mine[holder] = true
	return rec, true, nil
}

// Release implements BriefingLog.
func (f *BriefingFile) Release(ctx context.Context, scope, day, holder string) error {
	return f.change(scope, day, holder, func(r *BriefingRecord) { r.Holder, r.LeaseUntil = "", time.Time{} })
}

// Finish implements BriefingLog.
func (f *BriefingFile) Finish(ctx context.Context, rec BriefingRecord, holder string) error {
	return f.change(rec.Scope, rec.Day, holder, func(r *BriefingRecord) {
		r.State, r.MessageID, r.Error, r.DoneAt = rec.State, rec.MessageID, rec.Error, rec.DoneAt.UTC()
		r.Holder, r.LeaseUntil = "", time.Time{}
	})
}

// change applies fn to holder's claim of scope's day and saves.
func (f *BriefingFile) change(scope, day, holder string, fn func(*BriefingRecord)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.find(scope, day)
	if i < 0 || f.records[i].Holder != holder {
		return fmt.Errorf("briefing of %s for %s: the claim was lost", scope, day)
	}
	next := slices.Clone(f.records)
	fn(&next[i])
	return f.save(next)
}

// Last implements BriefingLog.
func (f *BriefingFile) Last(ctx context.Context, scope string) (BriefingRecord, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var last BriefingRecord
	found := false
	for _, r := range f.records {
		if r.Scope == scope && (r.State == BriefingSent || r.State == BriefingEmpty) && (!found || r.Until.After(last.Until)) {
			last, found = r, true
		}
	}
	return last, found, nil
}

// Record implements BriefingLog.
func (f *BriefingFile) Record(ctx context.Context, scope, day string) (BriefingRecord, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i := f.find(scope, day); i >= 0 {
		return f.records[i], true, nil
	}
	return BriefingRecord{}, false, nil
}

// prune keeps the newest keepDays records of scope.
func prune(records []BriefingRecord, scope string) []BriefingRecord {
	var days []string
	for _, r := range records {
		if r.Scope == scope {
			days = append(days, r.Day)
		}
	}
	if len(days) <= keepDays {
		return records
	}
	slices.Sort(days)
	oldest := days[len(days)-keepDays]
	return slices.DeleteFunc(records, func(r BriefingRecord) bool { return r.Scope == scope && r.Day < oldest })
}

func (f *BriefingFile) save(records []BriefingRecord) error {
	if err := writeJSONFile(f.path, "briefing records", briefingFile{Version: 1, Records: records}); err != nil {
		return err
	}
	f.records = records
	return nil
}
