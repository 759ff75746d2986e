package dev.cacheback.jpa;

import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

/** People who mentor each other: a loaded cycle, which a JSON codec cannot encode. */
@Entity
@Table(name = "cb_person")
public class Person {

    @Id
    private Long id;
    private String name;
    @ManyToOne(fetch = FetchType.EAGER)
    private Person mentor;

    public Person() {
    }

    public Person(Long id, String name) {
        this.id = id;
        this.name = name;
    }

    public Long getId() {
        return id;
    }

    public void setId(Long id) {
        this.id = id;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public Person getMentor() {
        return mentor;
    }

    public void setMentor(Person mentor) {
        this.mentor = mentor;
    }
}
