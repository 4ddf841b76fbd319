create role {login} login password {password}
