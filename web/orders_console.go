package web

func (s *Server) registerOrderConsoleRoutes() {}
