// Package pb holds only wire types: Go code generated from our .proto files, which use OpenIM's message names and field numbers.
// generate.sh strips ",omitempty" from every non-map JSON tag, because upstream's encoding/json output always includes zero values
// and the OpenIM clients depend on that (only empty maps are omitted). MarshalJSON writes the wire's JSON: nil lists as [],
// as upstream's API does.
package pb
