// This file tests the names of IR stages.

package ir

import "testing"

func TestStageString(t *testing.T) {
	for _, tc := range []struct {
		s    Stage
		want string
	}{
		{0, "none"},
		{StageDatasec, "datasec"},
		{StageLink, "link"},
		{StageMaps | StageDatasec | StageExterns, "datasec|externs|maps"},
		{StageDatasec | StageExterns | StageCORE | StageMaps | StageLink, "datasec|externs|core|maps|link"},
		{StageCORE | 1<<10, "core|0x400"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("Stage(%#x).String() = %q, want %q", uint(tc.s), got, tc.want)
		}
	}
}
