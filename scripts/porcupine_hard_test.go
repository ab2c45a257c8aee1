// Judges a list of history files with Porcupine, one line per file: name, verdict and the
// seconds it took (parse + CheckEventsTimeout, as witness's judge_files times parse + judge). Our own driver, not Porcupine's code:
// scripts/bench-history copies it into a temporary copy of Porcupine's source (package porcupine,
// so it reuses porcupine_test.go's etcdModel and parseJepsenLog) and never commits that copy.
//
// Files: Porcupine's etcd log lines (*.log) for one register, or Jepsen JSON lines with a "key"
// field (*.jsonl), partitioned by key, each key judged by etcdModel.
//
// Run: HARD_FILES=list.txt HARD_TIMEOUT=60s go test -run TestHardFiles (or the compiled binary).
package porcupine

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

type keyedInput struct {
	key string
	in  etcdInput
}

var keyedModel = Model{
	PartitionEvent: func(history []Event) [][]Event {
		byKey := map[string][]Event{}
		var keys []string
		for _, e := range history {
			var key string
			if e.Kind == CallEvent {
				key = e.Value.(keyedInput).key
			} else {
				key = e.Metadata.(string)
			}
			if _, seen := byKey[key]; !seen {
				keys = append(keys, key)
			}
			byKey[key] = append(byKey[key], e)
		}
		var parts [][]Event
		for _, k := range keys {
			parts = append(parts, byKey[k])
		}
		return parts
	},
	Init: etcdModel.Init,
	Step: func(state, input, output interface{}) (bool, interface{}) {
		return etcdModel.Step(state, input.(keyedInput).in, output)
	},
}

type jsonOp struct {
	Type    string          `json:"type"`
	F       string          `json:"f"`
	Key     string          `json:"key"`
	Process int             `json:"process"`
	Value   json.RawMessage `json:"value"`
}

// parseKeyedJSON reads Jepsen JSON lines the way parseJepsenLog reads log lines: an :info
// completion is dropped, so its operation stays open (unknown) to the end. A return event keeps
// its key in Metadata for the partition.
func parseKeyedJSON(filename string) []Event {
	file, err := os.Open(filename)
	if err != nil {
		panic(err)
	}
	defer file.Close()
	var events []Event
	open := map[int]Event{}
	id := 0
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		var op jsonOp
		if err := json.Unmarshal(scanner.Bytes(), &op); err != nil {
			panic(fmt.Sprintf("%s: %v", filename, err))
		}
		switch op.Type {
		case "invoke":
			in := etcdInput{}
			var pair [2]int
			switch op.F {
			case "write":
				in.op = 1
				json.Unmarshal(op.Value, &in.arg1)
			case "cas":
				in.op = 2
				json.Unmarshal(op.Value, &pair)
				in.arg1, in.arg2 = pair[0], pair[1]
			}
			call := Event{ClientId: op.Process, Kind: CallEvent, Value: keyedInput{op.Key, in}, Id: id}
			events = append(events, call)
			open[op.Process] = call
			id++
		case "ok", "fail":
			call := open[op.Process]
			delete(open, op.Process)
			out := etcdOutput{ok: op.Type == "ok"}
			if op.F == "read" && string(op.Value) != "null" {
				out.exists = true
				json.Unmarshal(op.Value, &out.value)
			}
			events = append(events, Event{ClientId: op.Process, Kind: ReturnEvent, Value: out, Id: call.Id, Metadata: op.Key})
		}
	}
	for proc, call := range open {
		key := call.Value.(keyedInput).key
		events = append(events, Event{ClientId: proc, Kind: ReturnEvent, Value: etcdOutput{unknown: true}, Id: call.Id, Metadata: key})
	}
	return events
}

func TestHardFiles(t *testing.T) {
	list, err := os.ReadFile(os.Getenv("HARD_FILES"))
	if err != nil {
		t.Skip("HARD_FILES: a file listing the histories to judge")
	}
	timeout, err := time.ParseDuration(os.Getenv("HARD_TIMEOUT"))
	if err != nil {
		timeout = 0
	}
	for _, path := range strings.Fields(string(list)) {
		var result CheckResult
		start := time.Now()
		if strings.HasSuffix(path, ".jsonl") {
			events := parseKeyedJSON(path)
			result = CheckEventsTimeout(keyedModel, events, timeout)
		} else {
			events := parseJepsenLog(path)
			result = CheckEventsTimeout(etcdModel, events, timeout)
		}
		verdict := map[CheckResult]string{Ok: "linearizable", Illegal: "not-linearizable"}[result]
		if verdict == "" {
			verdict = "unknown"
		}
		fmt.Printf("%s %s %.6f\n", path, verdict, time.Since(start).Seconds())
	}
}
