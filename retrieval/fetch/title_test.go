package fetch

import "testing"

func TestTrimSiteName(t *testing.T) {
	tests := []struct{ title, site, want string }{
		{"Ferry Service Resumes | Island Post", "Island Post", "Ferry Service Resumes"},
		{"Ferry Service Resumes — Island Post", "Island Post", "Ferry Service Resumes"},
		{"Island Post", "Island Post", "Island Post"},
		{"Ferry Service Resumes | Other Paper", "Island Post", "Ferry Service Resumes | Other Paper"},
		{"Ferry - Service", "", "Ferry - Service"},
	}
	for _, tt := range tests {
		if got := trimSiteName(tt.title, tt.site); got != tt.want {
			t.Errorf("trimSiteName(%q, %q) = %q, want %q", tt.title, tt.site, got, tt.want)
		}
	}
}
