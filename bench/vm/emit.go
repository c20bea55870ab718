package vm

import (
	"encoding/json"
	"fmt"
	"io"
)

// RowPrefix starts every line of results the VM run prints; the word
// after it names the kind (sample, prog, mapmem) and JSON follows.
const RowPrefix = "MOATBENCH "

// MapMem is the memory of a loaded rule set's maps.
type MapMem struct {
	Config string `json:"config"`
	Bytes  uint64 `json:"bytes"`
	Maps   int    `json:"maps"`
}

// Emit prints one result line.
func Emit(w io.Writer, kind string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s%s %s\n", RowPrefix, kind, b)
	return err
}
