grant {role} to {login}
