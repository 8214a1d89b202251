// kuiperd built from the Go module proxy: eKuiper's own cmd/kuiperd main,
// against the pinned github.com/lf-edge/ekuiper/v2 in go.mod. The tests in
// tests/ekuiper/real/ drive this binary through its REST API.
package main

import "github.com/lf-edge/ekuiper/v2/cmd"

func main() {
	cmd.Main()
}
