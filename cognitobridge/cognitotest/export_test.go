package cognitotest

// ObserveTriggers lets the tests see each trigger event (Cognito's trigger
// name, the event JSON) as it goes to the handler.
func ObserveTriggers(s *Server, fn func(trigger string, event []byte)) {
	s.observe.Store(&fn)
}
