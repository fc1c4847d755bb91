// Authentication checks against a node running PasswordAuthenticator (the harness starts it with
// a superuser given by -username/-password): gocql's PasswordAuthenticator (SASL PLAIN) logs in,
// wrong or missing credentials are refused, and a role created through CQL can log in.
package main

import (
	"errors"
	"fmt"
	"strings"
)

var authChecks = []check{
	{"auth/login", checkLogin},
	{"auth/bad-credentials", checkBadCredentials},
	{"auth/no-credentials", checkNoCredentials},
	{"auth/created-role-logs-in", checkCreatedRole},
}

func checkLogin(e *env) error {
	var name string
	return e.session.Query("SELECT cluster_name FROM system.local").Scan(&name)
}

// connectAs opens (and closes) a session with other credentials; it returns CreateSession's error.
func (e *env) connectAs(username, password string) error {
	saved := [2]string{e.username, e.password}
	e.username, e.password = username, password
	c, _ := e.newCluster()
	e.username, e.password = saved[0], saved[1]
	s, err := c.CreateSession()
	if err != nil {
		return err
	}
	defer s.Close()
	var name string
	return s.Query("SELECT cluster_name FROM system.local").Scan(&name)
}

func checkBadCredentials(e *env) error {
	err := e.connectAs(e.username, e.password+"-wrong")
	if err == nil {
		return errors.New("a wrong password logged in")
	}
	// Cassandra's Bad credentials (0x0100) message, carried in gocql's connection error.
	if !strings.Contains(err.Error(), "incorrect") {
		return fmt.Errorf("wrong password: %v", err)
	}
	return nil
}

func checkNoCredentials(e *env) error {
	err := e.connectAs("", "")
	if err == nil {
		return errors.New("a session without credentials was created on a PasswordAuthenticator node")
	}
	// gocql names the server's authenticator class when it has no Authenticator to answer with.
	if !strings.Contains(err.Error(), "org.apache.cassandra.auth.PasswordAuthenticator") {
		return fmt.Errorf("no credentials: %v", err)
	}
	return nil
}

func checkCreatedRole(e *env) error {
	if err := e.exec(
		"DROP ROLE IF EXISTS gocql_user",
		"CREATE ROLE gocql_user WITH PASSWORD = 'gocql-pw' AND LOGIN = true",
	); err != nil {
		return err
	}
	if err := e.connectAs("gocql_user", "gocql-pw"); err != nil {
		return fmt.Errorf("login as a created role: %w", err)
	}
	if err := e.connectAs("gocql_user", "nope"); err == nil {
		return errors.New("the created role logged in with a wrong password")
	}
	return nil
}
