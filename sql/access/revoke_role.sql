revoke {role} from {login}
