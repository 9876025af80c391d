{#- The code lists as delivered with the latest extract (faults and all); the models decode codes with
    the seed referentiedata_codes, this view is for checking a delivery's lists against it. -#}
with

source as (
    select * from {{ source('raw', 'referentiedata') }}
),

renamed as (
    select
        soort,
        code,
        naam,
        begindatum,
        einddatum,
        parent,
        informatiedomein,
        _extractdatum as extractdatum,
        _regelnummer as regelnummer
    from source
)

select * from renamed
