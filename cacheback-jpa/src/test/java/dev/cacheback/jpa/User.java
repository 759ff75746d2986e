package dev.cacheback.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The seed's {@code django.contrib.auth.models.User}, reduced to what the README example needs. */
@Entity
@Table(name = "cb_user")
public class User {

    @Id
    private Long id;
    @Column(unique = true, nullable = false)
    private String username;
    private String fullName;
    private boolean staff;

    public User() {
    }

    public User(Long id, String username, String fullName, boolean staff) {
        this.id = id;
        this.username = username;
        this.fullName = fullName;
        this.staff = staff;
    }

    public Long getId() {
        return id;
    }

    public void setId(Long id) {
        this.id = id;
    }

    public String getUsername() {
        return username;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public String getFullName() {
        return fullName;
    }

    public void setFullName(String fullName) {
        this.fullName = fullName;
    }

    public boolean isStaff() {
        return staff;
    }

    public void setStaff(boolean staff) {
        this.staff = staff;
    }

    @Override
    public String toString() {
        return "User[" + id + ", " + username + "]";
    }
}
